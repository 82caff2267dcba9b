-- expect 4: tests/hostile/os-exit.lua:2: attempt to call a nil value (field 'exit')
os.exit(0)
