return {alloc = function(plan, budget) while true do end end}
