-- expect 4: tests/hostile/io-open.lua:2: undefined global 'io'
return io.open('/etc/passwd'):read('a')
