/* The customers' routes: GET /v1/customers (a reader's token: every customer's file) and
 * GET /v1/customers/{id} (a reader's token, or that customer's own token): the registry as it
 * applies to one customer (customer_view.h). Never public and never cached in public. */
#include <string.h>
#include <cjson/cJSON.h>
#include "../registry/customer_view.h"
#include "../registry/date.h"
#include "routes.h"

/* 1 when the caller may read customer id's view: a reader or editor, or a customer token
 * bound to id. Otherwise answered (401 without a working token; 404 for another customer's
 * token, as for a customer that does not exist, so that no customer's existence leaks). */
static int may_read(server *s, struct MHD_Connection *c, req *r, const char *id, enum MHD_Result *ret)
{
    char name[80];
    int role;

    if (api_require(s, c, r, ROLE_CUSTOMER, name, sizeof(name), ret))
        return 0;
    role = api_caller(s, c, r, name, sizeof(name));
    if (role >= ROLE_READER || (id && r->customer[0] && strcmp(r->customer, id) == 0))
        return 1;
    if (!id)
        *ret = srv_error(c, r, 403, "token %s is a customer token; the list of customers needs a reader's token", name);
    else
        *ret = srv_error(c, r, 404, "no customer %s", id);
    return 0;
}

enum MHD_Result api_get_customers(server *s, struct MHD_Connection *c, req *r, const char *id)
{
    enum MHD_Result ret;
    snapshot *sn;
    cJSON *root = NULL, *a;
    size_t i;

    r->route = R_CUSTOMER;
    if (id && !entry_id_valid(id))
        return srv_error(c, r, 400, "\"%.64s\" is not a customer id: 1 to 63 characters of a-z, 0-9 and '-'", id);
    if (!may_read(s, c, r, id, &ret))
        return ret;
    if (!(sn = srv_current(s)))
        return srv_error(c, r, 503, "the registry is not loaded yet");
    if (id) {
        const customer *cu = customers_find(sn->reg->customers, id);
        if (!cu)
            ret = srv_error(c, r, 404, "no customer %s", id);
        else
            ret = api_send_json(c, r, customer_view_json(sn->reg, cu, date_today()), PRIVATE_CACHE);
        snapshot_unref(sn);
        return ret;
    }
    root = cJSON_CreateObject();
    a = cJSON_AddArrayToObject(root, "customers");
    for (i = 0; a && sn->reg->customers && i < sn->reg->customers->n; i++)
        cJSON_AddItemToArray(a, customer_to_json(sn->reg->customers->v[i], sn->reg->settings.notice_days));
    snapshot_unref(sn);
    return api_send_json(c, r, a ? root : (cJSON_Delete(root), NULL), PRIVATE_CACHE);
}
