"""Getting the grader to students: the student release and the platforms courses use."""
