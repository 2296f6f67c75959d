/*
 * Application forms from conf/forms.ini: the fields of an order and the
 * documents it needs, per subscriber kind and business type.
 *
 * A form is composed from the subscriber kind's section (identity fields,
 * default documents, allowed certificate kinds) and the business type's
 * section (extra fields, documents for each kind, conditional
 * requirements). Each field names its check: one of the validators of
 * validate.h, "text" (non-empty UTF-8 without control characters, at most
 * `max` characters) or "choice:a|b". Screens, ractl and printed forms all
 * take labels and rules from here.
 */
#ifndef RK_FORMS_H
#define RK_FORMS_H

#include "domain/validate.h"

#define RK_FORMS_MAX_FIELDS   48
#define RK_FORMS_MAX_DOCS     16
#define RK_FORM_MAX_FIELDS    32
#define RK_FORM_MAX_DOCS      8
#define RK_FORM_MAX_COND      4
#define RK_FORMS_MAX_KINDS    4
#define RK_FORMS_MAX_BUSINESS 16

typedef struct rk_field_def {
    char name[32];
    char label_zh[96];
    char label_en[96];
    char check[96]; /* validator name, "text" or "choice:a|b" */
    int max;        /* characters, for text */
    int sensitive;  /* personal data: sealed at rest, masked in audit */
} rk_field_def;

typedef struct rk_doc_def {
    char name[32];
    char label_zh[96];
    char label_en[96];
} rk_doc_def;

typedef struct rk_form_field {
    const rk_field_def *def;
    int required;
} rk_form_field;

typedef struct rk_form_cond {
    char field[32];      /* this field is required ... */
    char when_field[32]; /* ... when this field ... */
    char when_value[32]; /* ... has this value */
} rk_form_cond;

/* One composed form. Pointers point into the rk_forms it came from. */
typedef struct rk_form {
    char kind[16];
    char business[16];
    rk_form_field fields[RK_FORM_MAX_FIELDS];
    int n_fields;
    const rk_doc_def *docs[RK_FORM_MAX_DOCS];
    int n_docs;
    const char *subject_field; /* names the subscriber */
    const char *id_field;      /* identity number for lookups */
    rk_form_cond conds[RK_FORM_MAX_COND];
    int n_conds;
    int deadline_days; /* working days from submission; 0 = none */
} rk_form;

typedef struct rk_forms rk_forms;

/* Loads and checks forms.ini (every referenced field and document must be
 * defined, every check known). RK_ECONF naming file:line and key. */
int rk_forms_load(rk_forms **out, const char *path);
void rk_forms_free(rk_forms *forms);

/* The form for a subscriber kind and business type; RK_EINVAL naming the
 * unknown kind or business type. */
int rk_forms_compose(const rk_forms *forms, const char *kind, const char *business, rk_form *out);

/* 1 if the kind may apply for this certificate kind. */
int rk_forms_cert_kind_allowed(const rk_forms *forms, const char *kind, const char *cert_kind);

/* Definitions by name; NULL if unknown. */
const rk_field_def *rk_forms_field(const rk_forms *forms, const char *name);
const rk_doc_def *rk_forms_doc(const rk_forms *forms, const char *name);

/* The form's field entry by name, or NULL if the form has no such field. */
const rk_form_field *rk_form_find(const rk_form *form, const char *name);

/* 1 if the form needs this document. */
int rk_form_needs_doc(const rk_form *form, const char *doc);

/* Checks a value against its field's rule, under the branch's validation
 * rules (the pilot regions of credit codes; NULL: none). 0 if acceptable
 * (out->warning may be set, out->normalized holds the value to store);
 * RK_EINVAL with a message naming the field otherwise. */
int rk_forms_check_value(const rk_field_def *def, const char *value, const rk_validate_rules *rules,
                         rk_valid *out);

/* Business type ids in the order they are declared (for help texts). */
int rk_forms_business_count(const rk_forms *forms);
const char *rk_forms_business_name(const rk_forms *forms, int i);

#endif
