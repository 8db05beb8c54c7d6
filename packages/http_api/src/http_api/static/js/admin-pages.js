// More admin pages beside the calendar, "Rooms & devices" and "Policies & FAQ": each entry is
// { page, label, open(context) }. admin.js draws a header button per entry, keeps ?page= in the
// URL and, when one is opened, stops the calendar's polling and calls open() with
// { app, authHeaders, business, clock, showPage, signOut }: the page draws itself into `app`.
export const extraPages = [];
