"""In-app notifications: who is told what, read state, per-kind switches, delivery channels."""
