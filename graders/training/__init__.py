"""Training tasks: the lecture's applications, trained with the student's own components.

task.py      what a task is (data, model, recipe, bar); tasks/ the tasks themselves
session.py   one training run, inside the sandbox worker (the worker's task_* requests)
driver.py    the grading process's side: drives the worker for the recipe's steps within a CPU budget
grading.py   secret held-out data, the trusted score (the student's weights in the reference's
             model) against the bar and the baseline, the diagnosis
pictures.py  the PNG pictures; command.py `grader train` (above the runner: nothing here imports it)
"""
