# AIPL stage per customer and, per label, the count and the sum and non-empty count of every
# numeric column: the same rule and output as `mplan segment --pack rules/aipl --rule stage`.
# usage: mawk -F, -f aipl.awk FILE   (the benchmark file has no quoted fields)
# Params as rules/aipl's defaults. Written the way a careful awk user would: column positions
# from the header, one array per column, no per-row string keys.
BEGIN { window = 365; repurchase = 2; loyal = 3 }
NR == 1 {
    for (i = 1; i <= NF; i++) col[$i] = i
    R = col["recency_days"]; O = col["orders"]; G = col["gmv"]; V = col["visits_30d"]
    F = col["favorites"]; C = col["carts"]; FO = col["follows"]; ML = col["member_level"]
    RV = col["reviews"]; SH = col["shares"]
    next
}
{
    bought = $R != "" && $R + 0 <= window
    if ((bought && $O >= repurchase) || $ML >= loyal || $RV > 0 || $SH > 0) l = "L"
    else if (bought) l = "P"
    else if ($V > 0 || $F > 0 || $C > 0 || $FO > 0) l = "I"
    else l = "A"
    count[l]++
    if ($R != "") { sR[l] += $R; nR[l]++ }
    if ($O != "") { sO[l] += $O; nO[l]++ }
    if ($G != "") { sG[l] += $G; nG[l]++ }
    if ($V != "") { sV[l] += $V; nV[l]++ }
    if ($F != "") { sF[l] += $F; nF[l]++ }
    if ($C != "") { sC[l] += $C; nC[l]++ }
    if ($FO != "") { sFO[l] += $FO; nFO[l]++ }
    if ($ML != "") { sML[l] += $ML; nML[l]++ }
    if ($RV != "") { sRV[l] += $RV; nRV[l]++ }
    if ($SH != "") { sSH[l] += $SH; nSH[l]++ }
}
function out(s, n) { return "," sprintf("%.17g", s) "," n + 0 }
END {
    for (l in count)
        print l "," count[l] out(sR[l], nR[l]) out(sO[l], nO[l]) out(sG[l], nG[l]) out(sV[l], nV[l]) \
              out(sF[l], nF[l]) out(sC[l], nC[l]) out(sFO[l], nFO[l]) out(sML[l], nML[l]) \
              out(sRV[l], nRV[l]) out(sSH[l], nSH[l])
}
