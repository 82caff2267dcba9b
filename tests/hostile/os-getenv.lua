-- expect 4: tests/hostile/os-getenv.lua:2: attempt to call a nil value (field 'getenv')
return os.getenv('HOME')
