"""The training application behind `xarxa train` / `xarxa evaluate`: a run folder from a
config (`run`), the named tasks and their defaults (`tasks`), the non-classifier tasks
(`segmentation_task`, `siamese_task`, sharing `task_common`) and their figures. The loop
itself (`fit`, callbacks, history) is the library's `xarxa.train`."""
