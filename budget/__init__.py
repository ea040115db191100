"""The rules of a participatory budget, in plain Python: editions and phases, money, ideas."""
