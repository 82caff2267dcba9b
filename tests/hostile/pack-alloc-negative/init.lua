return {alloc = function(plan, budget) return {p4p = {-5, 0, 0, 0}, edm = {0, 0, 0, 0}} end}
