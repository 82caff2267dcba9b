/* Deterministic customers CSV for the segmentation benchmark and tests.
 * usage: gen_customers ROWS [SEED] > customers.csv
 * Columns (docs/plan-format.md "Customers"): an id, dates as strings, order stats left empty for
 * customers who never bought (as a LEFT JOIN export gives them), engagement counts, and a
 * city in Chinese. The same ROWS and SEED always give the same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state;

static uint64_t next(void) /* splitmix64 */
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
    return (unsigned)(next() % n);
}

static double unit(void)
{
    return (double)(next() >> 11) / 9007199254740992.0;
}

/* Day number to YYYY-MM-DD (civil from days, Howard Hinnant). */
static void date(char *buf, long z)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = (long)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    sprintf(buf, "%04ld-%02u-%02u", y + (m <= 2), m, d);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: gen_customers ROWS [SEED]\n");
        return 2;
    }
    long rows = atol(argv[1]);
    state = argc > 2 ? strtoull(argv[2], NULL, 10) : 20270104;
    static const char *const cities[] = {"杭州", "上海", "北京", "深圳", "广州", "成都", "武汉",
                                         "南京", "苏州", "西安", "重庆", "义乌"};
    const long today = 20820; /* 2027-01-01 */
    static char out[1 << 16];
    setvbuf(stdout, out, _IOFBF, sizeof out);
    puts("customer_id,first_visit,last_order,recency_days,orders,gmv,visits_30d,favorites,carts,"
         "follows,member_level,reviews,shares,city");
    for (long i = 0; i < rows; i++) {
        char first[16], last[16];
        long seen = today - 30 - below(900);
        unsigned engaged = below(100) < 45;
        unsigned visits = engaged ? 1 + below(12) : 0;
        unsigned favs = engaged && below(3) == 0 ? below(6) : 0;
        unsigned carts = engaged && below(4) == 0 ? below(4) : 0;
        unsigned follows = engaged && below(5) == 0;
        unsigned level = below(100) < 6 ? 1 + below(5) : 0;
        int buyer = (engaged && below(100) < 40) || level > 0;
        unsigned recency = below(100) < 70 ? below(365) : 365 + below(400);
        if (buyer && today - (long)recency < seen)
            seen = today - (long)recency - below(60);
        date(first, seen);
        printf("C%08ld,%s,", i + 1, first);
        if (buyer) {
            unsigned orders = 1 + (below(100) < 30 ? below(9) : 0);
            double gmv = 0;
            for (unsigned k = 0; k < orders; k++)
                gmv += 20 + 280 * unit() * unit();
            unsigned reviews = below(100) < 10 ? 1 + below(3) : 0;
            unsigned shares = below(100) < 5 ? 1 + below(2) : 0;
            date(last, today - (long)recency);
            printf("%s,%u,%u,%.2f,%u,%u,%u,%u,%u,%u,%u,", last, recency, orders, gmv, visits, favs, carts,
                   follows, level, reviews, shares);
        } else {
            printf(",,,,%u,%u,%u,%u,%u,0,%u,", visits, favs, carts, follows, level, below(100) < 2);
        }
        puts(cities[below(12)]);
    }
    return 0;
}
