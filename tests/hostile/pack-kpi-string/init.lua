return {
  alloc = function(plan, budget) return {p4p = {1000, 0, 0, 0}, edm = {0, 0, 0, 0}} end,
  k = function(t, params) return "lots" end,
}
