-- rfm: scores and groups with edges given as params, worked out by hand.
local rfm = require("init")
local scores = require("score")
local params = test.params{r_edges = "7,30,90,180", f_edges = "1,1,2,4", m_edges = "50,100,200,500"}

-- Scores: at or below e1 is 1, above e4 is 5; an edge value belongs to the lower fifth.
assert(scores.score(7, {7, 30, 90, 180}) == 1)
assert(scores.score(8, {7, 30, 90, 180}) == 2)
assert(scores.score(180, {7, 30, 90, 180}) == 4)
assert(scores.score(181, {7, 30, 90, 180}) == 5)
-- Ties in the edges (most buyers ordered once): 1 order scores 1, 2 orders 3.
assert(scores.score(1, {1, 1, 2, 4}) == 1)
assert(scores.score(2, {1, 1, 2, 4}) == 3)

-- Recency 5 days (<= 7: R 5), 6 orders (> 4: F 5), 800 spent (> 500: M 5): champions, 555.
local label, score = rfm.group({recency_days = 5, orders = 6, gmv = 800}, params)
assert(label == "champions" and score == 555, label .. " " .. tostring(score))
-- 20 days (R 4), 4 orders (F 4), 150 (M 3): not all three >= 4, but F >= 4 and R >= 3: loyal.
label, score = rfm.group({recency_days = 20, orders = 4, gmv = 150}, params)
assert(label == "loyal" and score == 443, label .. " " .. tostring(score))
-- 60 days (R 3), 1 order (F 1), 40 (M 1): potential, 311.
label, score = rfm.group({recency_days = 60, orders = 1, gmv = 40}, params)
assert(label == "potential" and score == 311, label .. " " .. tostring(score))
-- 120 days (R 2), 3 orders (F 4), 300 (M 4): at risk, 244.
label, score = rfm.group({recency_days = 120, orders = 3, gmv = 300}, params)
assert(label == "at risk" and score == 244, label .. " " .. tostring(score))
-- 100 days (R 2), 2 orders (F 3), 150 (M 3): at risk too (F >= 3), 233.
label, score = rfm.group({recency_days = 100, orders = 2, gmv = 150}, params)
assert(label == "at risk" and score == 233, label .. " " .. tostring(score))
-- 150 days (R 2), 1 order (F 1), 90 (M 2): hibernating, 212.
label, score = rfm.group({recency_days = 150, orders = 1, gmv = 90}, params)
assert(label == "hibernating" and score == 212, label .. " " .. tostring(score))
-- 400 days (R 1), 1 order: lost, 111.
label, score = rfm.group({recency_days = 400, orders = 1, gmv = 20}, params)
assert(label == "lost" and score == 111, label .. " " .. tostring(score))
-- Never bought: no recency.
label, score = rfm.group({orders = nil, gmv = nil}, params)
assert(label == "no purchase" and score == 0)

-- Bad edges are errors that say which param.
local ok, err = pcall(scores.parse_edges, "1,2,x,4", "r_edges")
assert(not ok and err:find("r_edges: 'x' is not a number"), err)
ok, err = pcall(scores.parse_edges, "1,2,3", "f_edges")
assert(not ok and err:find("expected 4 edges"), err)
ok, err = pcall(scores.parse_edges, "5,4,6,7", "m_edges")
assert(not ok and err:find("must not decrease"), err)

-- Text where a number belongs (n/a, -, N/A, 空): missing. No recency is "no purchase";
-- orders or money that are not numbers count as none (F 1, M 1), as an empty field does.
for _, v in ipairs({"n/a", "-", "N/A", "空"}) do
  label, score = rfm.group({recency_days = v, orders = 3, gmv = 300}, params)
  assert(label == "no purchase" and score == 0, v)
  label, score = rfm.group({recency_days = 60, orders = v, gmv = v}, params)
  assert(label == "potential" and score == 311, label .. " " .. tostring(score))
end

-- Edges from the file (params left empty), with the file's values given as fixtures: the
-- p-quantile is the least value with at least p of the values at or below it (rank
-- ceil(p n)). recency 1..10: edges 2,4,6,8; orders: 1,1,2,4; gmv 10..100 (text left out):
-- 20,40,60,80. So 3 days (R 4), 5 orders (F 5), 70 spent (M 4): champions, 454.
test.quantiles{recency_days = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1},
               orders = {1, 1, 1, 1, 2, 2, 3, 4, 5, 9},
               gmv = {10, 20, "n/a", 30, 40, 50, 60, 70, 80, 90, 100}}
label, score = rfm.group({recency_days = 3, orders = 5, gmv = 70}, test.params())
assert(label == "champions" and score == 454, label .. " " .. tostring(score))
assert(mplan.quantile("gmv", 0) == 10 and mplan.quantile("gmv", 1) == 100)
assert(mplan.quantiles({"orders"}, {0.5}).orders[1] == 2)
