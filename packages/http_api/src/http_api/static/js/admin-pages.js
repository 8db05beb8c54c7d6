// More admin pages beside the calendar, "Rooms & devices" and "Policies & FAQ": each entry is
// { page, label, open(context) }. admin.js draws a header button per entry, keeps ?page= in the
// URL and, when one is opened, stops the calendar's polling and calls open() with
// { app, authHeaders, business, clock, showPage, signOut }: the page draws itself into `app`.

import { clientsPage } from "./admin-clients.js";
import { settingsPage } from "./admin-settings.js";
import { waitlistPage } from "./admin-waitlist.js";

export const extraPages = [clientsPage, settingsPage, waitlistPage];
