"""Our own date and time formats (settings.FORMAT_MODULE_PATH), where Django's
locale defaults are not what Finland reads.

Everyone reads day.month.year and a 24-hour clock: Finnish as Django has it
(6.9.2027, 14.09); English and Swedish here, because Django's are those of the
United States (09/06/2027, 2:09 p.m.) and of Sweden (2027-09-06). Date inputs
also accept ISO dates, which <input type="date"> sends."""
