return {alloc = function(plan, budget) return {edm = {0, 0/0, 0, 0}} end}
