-- expect 4: tests/hostile/string-dump.lua:2: attempt to call a nil value (field 'dump')
return string.dump(function() end)
