"""AIPL stage per customer with pandas (read_csv + np.select): the same rule and per-label
count, sums and non-empty counts of every numeric column as `mplan segment`.
usage: /usr/bin/python3 aipl.py FILE"""
import sys

import numpy as np
import pandas as pd

WINDOW, REPURCHASE, LOYAL = 365, 2, 3
NUMERIC = ["recency_days", "orders", "gmv", "visits_30d", "favorites", "carts", "follows",
           "member_level", "reviews", "shares"]

df = pd.read_csv(sys.argv[1])
z = df.fillna({c: 0 for c in ["orders", "member_level", "reviews", "shares", "visits_30d",
                              "favorites", "carts", "follows"]})
bought = df["recency_days"].notna() & (df["recency_days"] <= WINDOW)
loyal = ((bought & (z["orders"] >= REPURCHASE)) | (z["member_level"] >= LOYAL)
         | (z["reviews"] > 0) | (z["shares"] > 0))
engaged = (z["visits_30d"] > 0) | (z["favorites"] > 0) | (z["carts"] > 0) | (z["follows"] > 0)
df["label"] = np.select([loyal, bought, engaged], ["L", "P", "I"], default="A")
g = df.groupby("label")
counts, sums, ns = g.size(), g[NUMERIC].sum(), g[NUMERIC].count()
for label in counts.index:
    out = [label, str(counts[label])]
    for c in NUMERIC:
        out += ["%.17g" % sums.loc[label, c], str(ns.loc[label, c])]
    print(",".join(out))
