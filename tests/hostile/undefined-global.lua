-- expect 4: tests/hostile/undefined-global.lua:2: undefined global 'undefined_thing'
return undefined_thing + 1
