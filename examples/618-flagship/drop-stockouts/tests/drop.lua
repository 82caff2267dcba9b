local pack = require("init")
local params = test.params()
-- Four weeks, the median GMV is 950: week 2's 100 is below half of it and goes; week 3
-- becomes 2 and week 4 becomes 3.
local h = {
  {period = 1, gmv = 1000, feed = 10}, {period = 2, gmv = 100, feed = 12},
  {period = 3, gmv = 900, feed = 11}, {period = 4, gmv = 1200, feed = 9},
}
local out = pack.drop_stockouts(h, params)
assert(#out == 3)
assert(out[1].period == 1 and out[2].period == 2 and out[2].gmv == 900 and out[3].period == 3)
-- Per channel rows: a period's GMV is its channels' together (2 x 60 = 120 is a stock-out).
local long = {
  {period = 1, channel = "a", spend = 5, gmv = 500}, {period = 1, channel = "b", spend = 5, gmv = 500},
  {period = 2, channel = "a", spend = 5, gmv = 60}, {period = 2, channel = "b", spend = 5, gmv = 60},
  {period = 3, channel = "a", spend = 5, gmv = 450}, {period = 3, channel = "b", spend = 5, gmv = 450},
}
out = pack.drop_stockouts(long, params)
assert(#out == 4 and out[3].period == 2 and out[3].gmv == 450)
-- Dates are refused: dropping one would leave a gap.
assert(not pcall(pack.drop_stockouts, {{period = "2027-01-04", gmv = 1}}, params))
