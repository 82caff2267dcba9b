-- expect 4: tests/hostile/os-execute.lua:2: attempt to call a nil value (field 'execute')
return os.execute('touch /tmp/mplan-pwned')
