"""The LMS's pages: accounts, the learner's course player and discussions, the instructor's desk.

Views parse input, call one service or selector, and render.
"""
