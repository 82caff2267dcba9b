local pack = require("init")
local params = test.params()
-- Four weeks, the median GMV is 950: week 2's 100 is below half of it and loses its GMV;
-- every period stays, with its number and its spend (the carry-over needs it).
local h = {
  {period = 1, gmv = 1000, feed = 10}, {period = 2, gmv = 100, feed = 12},
  {period = 3, gmv = 900, feed = 11}, {period = 4, gmv = 1200, feed = 9},
}
local out = pack.drop_stockouts(h, params)
assert(#out == 4)
assert(out[2].period == 2 and out[2].gmv == nil and out[2].feed == 12)
assert(out[1].gmv == 1000 and out[3].gmv == 900 and out[4].gmv == 1200)
-- Per channel rows: a period's GMV is its channels' together (2 x 60 = 120 is a stock-out,
-- below half the median 900); both its rows lose their GMV, nothing else changes.
local long = {
  {period = 1, channel = "a", spend = 5, gmv = 500}, {period = 1, channel = "b", spend = 5, gmv = 500},
  {period = 2, channel = "a", spend = 5, gmv = 60}, {period = 2, channel = "b", spend = 5, gmv = 60},
  {period = 3, channel = "a", spend = 5, gmv = 450}, {period = 3, channel = "b", spend = 5, gmv = 450},
}
out = pack.drop_stockouts(long, params)
assert(#out == 6 and out[3].gmv == nil and out[4].gmv == nil and out[3].spend == 5)
assert(out[1].gmv == 500 and out[5].gmv == 450 and out[6].gmv == 450)
-- Dated periods work the same: the week of 2027-01-11 (GMV 200, median 1000) is a stock-out.
local dated = {
  {period = "2027-01-04", gmv = 1000, feed = 1}, {period = "2027-01-11", gmv = 200, feed = 1},
  {period = "2027-01-18", gmv = 1100, feed = 1},
}
out = pack.drop_stockouts(dated, params)
assert(#out == 3 and out[2].period == "2027-01-11" and out[2].gmv == nil and out[1].gmv == 1000)
-- A period already without GMV is left so and not in the median: of {1000, 900, 400, 1200,
-- 600} it is 900, so 400 (below 450) is a stock-out, 600 is not (counted as 0, period 2
-- would bring the median to 750 and 400 would stay).
local gaps = {
  {period = 1, gmv = 1000}, {period = 2}, {period = 3, gmv = 900}, {period = 4, gmv = 400},
  {period = 5, gmv = 1200}, {period = 6, gmv = 600},
}
out = pack.drop_stockouts(gaps, params)
assert(out[2].gmv == nil and out[4].gmv == nil and out[6].gmv == 600 and out[3].gmv == 900)
-- No GMV at all: an error, not a silent no-op.
assert(not pcall(pack.drop_stockouts, {{period = 1, feed = 1}}, params))
