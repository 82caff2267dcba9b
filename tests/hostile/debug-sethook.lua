-- expect 4: tests/hostile/debug-sethook.lua:2: undefined global 'debug'
debug.sethook()
