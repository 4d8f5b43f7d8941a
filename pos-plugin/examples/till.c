/*
 * A till written in C: identifies a shopper, quotes and commits a sale,
 * refunds part of it. Build: cc till.c $(pkg-config --cflags --libs loyalty-pos)
 *
 *   till DB PROGRAM STORE TERMINAL SCANNED [CONFIG_JSON [RECEIPT]]
 *
 * SCANNED is what the scanner read: a card number, a phone or a member QR code.
 */
#include <loyalty_pos.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failed(int rc, const char* what) {
    if (rc == LOYALTY_POS_OK) return 0;
    fprintf(stderr, "%s: %s: %s\n", what, loyalty_pos_status_name(rc), loyalty_pos_last_error());
    return 1;
}

/* Copies the string value of "key" out of a flat JSON object (enough for an example). */
static int json_string(const char* json, const char* key, char* out, size_t size) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char* start = strstr(json, pattern);
    if (!start) return 0;
    start += strlen(pattern);
    const char* end = strchr(start, '"');
    if (!end || (size_t)(end - start) >= size) return 0;
    memcpy(out, start, (size_t)(end - start));
    out[end - start] = '\0';
    return 1;
}

int main(int argc, char** argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: till DB PROGRAM STORE TERMINAL SCANNED [CONFIG_JSON [RECEIPT]]\n");
        return 2;
    }
    if (loyalty_pos_abi_version() != LOYALTY_POS_ABI_VERSION) {
        fprintf(stderr, "libloyalty_pos has ABI %d, this till needs %d\n",
                loyalty_pos_abi_version(), LOYALTY_POS_ABI_VERSION);
        return 2;
    }
    const char* config = argc > 6 ? argv[6] : NULL;
    const char* receipt = argc > 7 ? argv[7] : "C-1";
    printf("libloyalty_pos %s\n", loyalty_pos_version());

    loyalty_pos_session* till = NULL;
    if (failed(loyalty_pos_open(argv[1], argv[2], argv[3], argv[4], config, &till), "open"))
        return 1;

    int rc = 1;
    char* member = NULL;
    char* quote = NULL;
    char* sale = NULL;
    char* refund = NULL;
    char uid[128];
    char basket[1024];
    if (failed(loyalty_pos_identify(till, argv[5], &member), "identify")) goto done;
    printf("member: %s\n", member);
    if (!json_string(member, "member", uid, sizeof uid)) goto done;

    snprintf(basket, sizeof basket,
             "{\"member\":\"%s\",\"receipt\":\"%s\",\"lines\":["
             "{\"sku\":\"TS-1001\",\"category\":\"apparel\",\"quantity\":2,\"unit_price\":19900},"
             "{\"sku\":\"FD-7001\",\"category\":\"food\",\"quantity\":3,\"unit_price\":3500}]}",
             uid, receipt);
    if (failed(loyalty_pos_quote(till, basket, &quote), "quote")) goto done;
    printf("quote: %s\n", quote);
    if (failed(loyalty_pos_commit(till, basket, &sale), "commit")) goto done;
    printf("sale: %s\n", sale);

    /* The till crashed before printing? Committing again is safe: nothing changes. */
    loyalty_pos_free(sale);
    sale = NULL;
    if (failed(loyalty_pos_commit(till, basket, &sale), "commit again")) goto done;
    if (!strstr(sale, "\"replayed\":true")) {
        fprintf(stderr, "the second commit was not a replay\n");
        goto done;
    }

    char request[256];
    snprintf(
        request, sizeof request,
        "{\"receipt\":\"%s\",\"refund_ref\":\"%s-RF1\",\"lines\":[{\"line_no\":1,\"quantity\":1}]}",
        receipt, receipt);
    if (failed(loyalty_pos_refund(till, request, &refund), "refund")) goto done;
    printf("refund: %s\n", refund);

    /* Returning more than was sold is refused with its own code, and writes nothing. */
    snprintf(
        request, sizeof request,
        "{\"receipt\":\"%s\",\"refund_ref\":\"%s-RF2\",\"lines\":[{\"line_no\":2,\"quantity\":4}]}",
        receipt, receipt);
    const int over = loyalty_pos_refund(till, request, NULL);
    printf("over-refund: %s (%s)\n", loyalty_pos_status_name(over), loyalty_pos_last_error());
    if (over != LOYALTY_POS_E_REFUND_EXCEEDS_SALE) goto done;
    rc = 0;

done:
    loyalty_pos_free(member);
    loyalty_pos_free(quote);
    loyalty_pos_free(sale);
    loyalty_pos_free(refund);
    loyalty_pos_close(till);
    return rc;
}
