"""Swedish as written in Finland: day.month.year and the clock with a full
stop (6.9.2027, 14.09), as in Finnish."""

DATE_FORMAT = "j F Y"  # 6 september 2027
TIME_FORMAT = "G.i"  # 14.09, 9.05
DATETIME_FORMAT = "j F Y \\k\\l. G.i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "j.n.Y"  # 6.9.2027
SHORT_DATETIME_FORMAT = "j.n.Y G.i"
FIRST_DAY_OF_WEEK = 1  # Monday
# The first one is how a text field shows a date; ISO dates are always accepted too.
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    "%d.%m.%Y %H.%M.%S",
    "%d.%m.%Y %H.%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
]
TIME_INPUT_FORMATS = ["%H.%M", "%H:%M", "%H.%M.%S", "%H:%M:%S"]
