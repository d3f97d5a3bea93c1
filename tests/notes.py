"""Numbers taken from the course notes (/work/shared/seed), as named constants.

One block per exercise, labelled with its number in the notes, so that tests
check xarxa against the notes' own worked values. Append new blocks; do not
rename existing ones.
"""

# Exercise 1.3 (apunts-aa2-basic-elements): cat vs dog, a batch of 5 samples.
# Network probabilities per class, and the one-hot labels as printed.
EX_1_3_CAT_PROBS = [0.8, 0.3, 0.4, 0.2, 0.7]
EX_1_3_DOG_PROBS = [0.2, 0.7, 0.6, 0.8, 0.3]
EX_1_3_CAT_LABELS = [1, 0, 1, 0, 1]
EX_1_3_DOG_LABELS = [0, 1, 0, 1, 0]
EX_1_3_THRESHOLD = 0.5          # decision threshold gamma
EX_1_3_ACCURACY = 0.8           # 4 of 5 argmax predictions are right
EX_1_3_DOG_PRECISION = 2 / 3    # dog predicted for samples 2, 3, 4; 2 and 4 are dogs
EX_1_3_DOG_RECALL = 1.0         # both dogs are predicted as dog

# Exercise 1.6: three classes with 80 %, 10 % and 10 % of the samples.
EX_1_6_PROPORTIONS = (0.8, 0.1, 0.1)
