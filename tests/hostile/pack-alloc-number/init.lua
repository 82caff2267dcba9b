return {alloc = function(plan, budget, params) return 42 end}
