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

# Exercise 1.6 (answer): inverse-frequency class weights α_k = 1 / f_k.
EX_1_6_WEIGHTS = (1 / 0.8, 1 / 0.1, 1 / 0.1)

# §1.3.6, cross-entropy vs accuracy. The notes print the probabilities column-wise (one
# column per sample); the targets were lost with the figure and are reconstructed so that
# both batches have accuracy 2/3 and the printed cross-entropies.
CE_TABLE_BATCH_A = [[0.1, 0.2, 0.7], [0.3, 0.3, 0.4], [0.3, 0.4, 0.3]]
CE_TABLE_TARGETS_A = [0, 2, 1]
CE_TABLE_BATCH_B = [[0.3, 0.3, 0.4], [0.1, 0.7, 0.2], [0.1, 0.2, 0.7]]
CE_TABLE_TARGETS_B = [0, 1, 2]
CE_TABLE_ACCURACY = 2 / 3          # both batches
CE_TABLE_CE_A = 1.38               # −(ln .1 + ln .4 + ln .4)/3 = 1.378 (the notes print 1.37)
CE_TABLE_CE_B = 0.64               # −(ln .3 + ln .7 + ln .7)/3 = 0.639

# Exercise 1.7: 1-D embeddings, L1 distance, margin 4.
EX_1_7_ANCHOR, EX_1_7_POSITIVE, EX_1_7_NEGATIVE = 1.0, 2.0, 3.0
EX_1_7_MARGIN = 4.0
EX_1_7_CONTRASTIVE_POSITIVE = 1.0      # y·d² with d = |1 − 2| = 1
EX_1_7_CONTRASTIVE_NEGATIVE = 2.0      # the exercise's un-squared hinge max(0, 4 − 2)
EX_1_7_CONTRASTIVE_NEGATIVE_SQUARED = 4.0   # the notes' max²(0, 4 − 2)
EX_1_7_TRIPLET = 1.0                   # max(0, 4 + 1² − 2²)

# Mid-term exam Fall 2022, exercise 1: ŷ = w·x + b on the pair (x, y) = (2, 2), α = 0.3,
# L1 loss, gradient descent. Columns are iterations n … n+5 (n+3 … n+5 were the blanks).
EXAM_2022_X, EXAM_2022_Y, EXAM_2022_LR = 2.0, 2.0, 0.3
EXAM_2022_W = [2.7, 2.1, 1.5, 0.9, 1.5, 0.9]
EXAM_2022_B = [1.0, 0.7, 0.4, 0.1, 0.4, 0.1]
EXAM_2022_LOSS = [4.4, 2.9, 1.4, 0.1, 1.4, 0.1]
EXAM_2022_GRAD_W = [2.0, 2.0, 2.0, -2.0, 2.0, -2.0]
EXAM_2022_GRAD_B = [1.0, 1.0, 1.0, -1.0, 1.0, -1.0]
# Switching to Huber with δ just above 0.1 at iteration n+3 (w = 0.9, b = 0.1, ŷ = 1.9):
EXAM_2022_HUBER_DELTA = 0.11
EXAM_2022_HUBER_LOSS = 0.005           # ½(2 − 1.9)²
EXAM_2022_HUBER_DLDY = -0.1            # ∂L/∂ŷ = −(2 − ŷ)
EXAM_2022_HUBER_W, EXAM_2022_HUBER_B = 0.96, 0.13
EXAM_2022_HUBER_FORWARD = 2.05
EXAM_2022_HUBER_LOSS_AFTER = 0.00125

# Mid-term exam Fall 2022, exercise 1, question 6 (AdaGrad from iteration n+3); the notes
# give no answer, so both readings are kept. Gradients g = (∂L/∂w, ∂L/∂b) of the table.
# Summing g·gᵀ over iterations n … n+3 ((2,1), (2,1), (2,1), (−2,−1)):
EXAM_2022_ADAGRAD_G_SUMMED = [[16.0, 8.0], [8.0, 4.0]]
EXAM_2022_ADAGRAD_SCALE_SUMMED = (1 / 4, 1 / 2)    # diag(G)^(−1/2) for w and b
# Starting AdaGrad fresh at n+3 (only g = (−2, −1)):
EXAM_2022_ADAGRAD_G_FRESH = [[4.0, 2.0], [2.0, 1.0]]
EXAM_2022_ADAGRAD_SCALE_FRESH = (1 / 2, 1.0)

# Mid-term exam Fall 2022, exercise 2: LeNet-5 (32×32×1 input) parameter count.
EXAM_2022_LENET5_PARAMS = 61706

# Exam Fall 2022, exercise 2 (LeNet-5): layer output sizes, and the receptive fields after
# its first four layers (conv 5×5, avg-pool 2, conv 5×5, avg-pool 2).
EXAM_2022_LENET5_SHAPES = [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (120,), (84,),
                           (10,)]
EXAM_2022_LENET5_RECEPTIVE_FIELDS = [5, 6, 14, 16]

# Exercise 1.4: MLP 784-512-512-10 (tanh, softmax on top).
EX_1_4_LAYERS = (784, 512, 512, 10)
EX_1_4_PARAMS = 669706
EX_1_4_DEPTH, EX_1_4_WIDTH = 3, 512

# Fig. 1.11: a fully connected network 5-7-7-7-7-4 (depth 5, width 7).
FIG_1_11_LAYERS = (5, 7, 7, 7, 7, 4)
FIG_1_11_PARAMS = 242
FIG_1_11_DEPTH, FIG_1_11_WIDTH = 5, 7

# §1.6.1 receptive field: two stacked 3×3 convolutions see 5×5 like one 5×5 convolution,
# with 9 + 9 weights and 2 biases instead of 25 weights and 1 bias.
RF_TWO_3X3_FIELD, RF_TWO_3X3_WEIGHTS, RF_TWO_3X3_BIASES = 5, 18, 2
RF_ONE_5X5_FIELD, RF_ONE_5X5_WEIGHTS, RF_ONE_5X5_BIASES = 5, 25, 1

# Exercise 1.1, backward, node by node (x1 = w·x, x2 = x1 + b, x3 = ReLU(x2) = ŷ): the notes'
# chain ∂L/∂x_k = ∂x_{k+1}/∂x_k · ∂L/∂x_{k+1}, with the local derivatives at the first pass.
EX_1_1_UPSTREAM = {"x3": 1.0, "x2": 1.0, "x1": 1.0}   # ∂L/∂x3, ∂L/∂x2, ∂L/∂x1
EX_1_1_LOCAL_RELU = 1.0          # ∂x3/∂x2 = ReLU'(2)
EX_1_1_LOCAL_ADD = 1.0           # ∂x2/∂x1 = ∂x2/∂b: the addition node distributes
# the product node switches: ∂x1/∂w = x = EX_1_1_X and ∂x1/∂x = w = EX_1_1_W
EX_1_1_DLOSS_DYHAT = 1.0         # ∂|ŷ − y|/∂ŷ at ŷ = 2 > y = 1
EX_1_1_X1_2 = 1.9                # second pass: w·x = 1.9 → 1.9 + b = 1.8 = ŷ
