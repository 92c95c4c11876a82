"""The ``leadgrade`` commands, one module per user: training; serving; store and reports."""
