-- expect 4: binary chunks are not allowed in rule scripts
return assert(load('return 1', 'x', 'b'))
