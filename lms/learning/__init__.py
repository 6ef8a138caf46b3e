"""Enrollments, progress, quizzes and completion rules."""
