-- kpi-extra: KPIs analysts ask for beyond docs/model.md's list, each a goal a plan can set
-- (goals: {kpi-extra.gross_profit: 60000}).
--
-- A KPI hook receives t, the plan's forecast totals: the additive KPIs (t.spend, t.gmv,
-- t.orders, t.new_customers, ...) and the ratios that exist (t.roas, t.roi), with
-- t.by_channel[id] and t.by_period[i] beside them and t.margin when the plan has one.
-- Totals include the organic baseline GMV and the fixed budget lines, as in mplan's
-- output. A KPI that does not exist for the plan (no margin, nothing spent) is nil: shown
-- as absent, never made up.

local M = {}

-- Gross profit after marketing: gmv * margin - spend. Nil without a margin.
function M.gross_profit(t, params)
  if not t.margin then
    return nil
  end
  return t.gmv * t.margin - t.spend
end

-- The ROAS at which marketing pays for itself: every unit of spend must bring back 1/margin
-- in GMV. Nil without a (positive) margin.
function M.break_even_roas(t, params)
  if not t.margin or t.margin <= 0 then
    return nil
  end
  return 1 / t.margin
end

-- Share of the total spend that goes to paid channels (kind paid), 0..1.
function M.paid_share(t, params)
  if t.spend == 0 then
    return nil
  end
  local paid = 0
  for id, c in pairs(t.by_channel) do
    if c.kind == nil then
      error(string.format("paid_share needs each channel's kind in t.by_channel (channel '%s' has none)", id))
    end
    if c.kind == "paid" then
      paid = paid + c.spend
    end
  end
  return paid / t.spend
end

-- Cost per order (CPA): spend / orders.
function M.cpa(t, params)
  if t.orders == 0 then
    return nil
  end
  return t.spend / t.orders
end

-- Share of orders from new customers, 0..1.
function M.new_customer_share(t, params)
  if t.orders == 0 then
    return nil
  end
  return t.new_customers / t.orders
end

-- Share of GMV that the channels bring, the rest being the organic baseline, 0..1.
function M.channel_gmv_share(t, params)
  if t.gmv == 0 then
    return nil
  end
  local gmv = 0
  for _, c in pairs(t.by_channel) do
    gmv = gmv + c.gmv
  end
  return gmv / t.gmv
end

return M
