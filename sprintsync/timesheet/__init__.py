"""Time tracking: timers and manual entries that keep each task's total honest."""
