-- expect 4: attempt to load a binary chunk (mode is 't')
return assert(load('\27Lua\84\0\25\147\13\10\26\10'))
