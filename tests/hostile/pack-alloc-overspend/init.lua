return {alloc = function(plan, budget) return {p4p = {5000, 5000, 5000, 5000}} end}
