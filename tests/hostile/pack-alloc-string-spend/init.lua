return {alloc = function(plan, budget) return {p4p = {"100", 0, 0, 0}} end}
