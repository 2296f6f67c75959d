/*
 * The screens and module hooks of the clerks' desk (desk_*.c): login with the clerk's key, queues,
 * review, issue, the daily close, incidents.
 *
 * Add a line per screen to RK_DESK_SCREENS as X(ID, name, KF_FLAGS) and,
 * if the module keeps state to wipe, M(name) to RK_DESK_MODULES; how it
 * all fits is explained at the top of screens.h.
 */
#ifndef RK_KIOSK_DESK_SCREENS_H
#define RK_KIOSK_DESK_SCREENS_H

#define RK_DESK_SCREENS(X)                                                                         \
    X(DESK_LOGIN, desk_login, KF_CLERK)                                                            \
    X(DESK_QUEUES, desk_queues, KF_CLERK)                                                          \
    X(DESK_REVIEW, desk_review, KF_CLERK)                                                          \
    X(DESK_REJECT, desk_reject, KF_CLERK)                                                          \
    X(DESK_SERVICE, desk_service, KF_CLERK)                                                        \
    X(DESK_CLOSE, desk_close, KF_CLERK)                                                            \
    X(DESK_INCIDENT, desk_incident, KF_CLERK)                                                      \
    X(DESK_ISSUE, desk_issue, KF_CLERK)

#define RK_DESK_MODULES(M)                                                                         \
    M(desk) M(desk_review) M(desk_service) M(desk_close) M(desk_issue) M(desk_incident)

#endif
