-- expect 4: tests/hostile/dofile.lua:2: undefined global 'dofile'
return dofile('/etc/passwd')
