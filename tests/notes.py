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

# Exercise 1.1: ReLU(w·x + b) trained with an L1 loss on the sample (x, y) = (1, 1).
EX_1_1_W, EX_1_1_B = 2.0, 0.0
EX_1_1_X, EX_1_1_Y = 1.0, 1.0
EX_1_1_FORWARD = 2.0            # ŷ of the first pass
EX_1_1_LOSS = 1.0
EX_1_1_GRAD_W, EX_1_1_GRAD_B = 1.0, 1.0
EX_1_1_LR = 0.1
EX_1_1_W_AFTER, EX_1_1_B_AFTER = 1.9, -0.1
EX_1_1_FORWARD_2, EX_1_1_LOSS_2 = 1.8, 0.8

# Exercise 1.2: one sigmoid neuron w = (0.2, 0.8), b = −1 on x = (1, 1).
EX_1_2_W, EX_1_2_B, EX_1_2_X = (0.2, 0.8), -1.0, (1.0, 1.0)
EX_1_2_OUTPUT = 0.5
EX_1_2_THRESHOLD = 0.9          # γ > 0.9 → class A, below → class B
EX_1_2_CLASS = "B"

# Exercise 1.5: a one-hidden-layer ReLU network that computes XOR.
EX_1_5_W1 = [[1.0, 1.0], [1.0, 1.0]]
EX_1_5_C1 = [0.0, -1.0]
EX_1_5_W2 = [1.0, -2.0]
EX_1_5_HIDDEN_AT_00 = [0.0, -1.0]   # h = W x + c for x = (0, 0)
EX_1_5_TRUTH_TABLE = {(0, 0): 0.0, (1, 0): 1.0, (0, 1): 1.0, (1, 1): 0.0}
