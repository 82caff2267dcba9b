-- an error text that starts with pack b's file and line: mplan must still blame pack a
return {fail = function(plan, params) error("tests/hostile/pack-blame-other/b/init.lua:2: b broke it", 0) end}
