/*
 * The screens and module hooks of the self-service corner (self_*.c): status query, help (the
 * knowledge base), key self-check, PIN change.
 *
 * Add a line per screen to RK_SELF_SCREENS as X(ID, name, KF_FLAGS) and,
 * if the module keeps state to wipe, M(name) to RK_SELF_MODULES; how it
 * all fits is explained at the top of screens.h.
 */
#ifndef RK_KIOSK_SELF_SCREENS_H
#define RK_KIOSK_SELF_SCREENS_H

#define RK_SELF_SCREENS(X)                                                                         \
    X(FAQ, faq, KF_SUBSCRIBER)                                                                     \
    X(FAQ_ARTICLE, faq_article, KF_SUBSCRIBER)                                                     \
    X(SELFCHECK, selfcheck, KF_SUBSCRIBER)                                                         \
    X(PIN, pin, KF_SUBSCRIBER)                                                                     \
    X(QUERY, query, KF_SUBSCRIBER)

#define RK_SELF_MODULES(M) M(self)

#endif
