-- expect 4: tests/hostile/package-loadlib.lua:2: undefined global 'package'
return package.loadlib('libc.so.6', 'system')
