# A Siamese network trained on pairs of images with a contrastive loss written in the
# script (in the shape of the common "Siamese network with contrastive loss" tutorials;
# the pairs are fixed here where tutorials draw them at random).
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from torchvision import datasets, transforms


class SiameseNetworkDataset(Dataset):
    """Pairs (image i, image 7i + 3): label 1 when their classes differ, 0 when alike."""

    def __init__(self, image_folder_dataset, size):
        self.image_folder_dataset = image_folder_dataset
        self.size = size

    def __getitem__(self, index):
        img0, label0 = self.image_folder_dataset[index]
        img1, label1 = self.image_folder_dataset[(7 * index + 3) % self.size]
        return img0, img1, torch.from_numpy(np.array([int(label1 != label0)], dtype=np.float32))

    def __len__(self):
        return self.size


class SiameseNetwork(nn.Module):
    def __init__(self):
        super(SiameseNetwork, self).__init__()
        self.cnn1 = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=5),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2, stride=2),

            nn.Conv2d(8, 16, kernel_size=5),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2, stride=2),
        )
        self.fc1 = nn.Sequential(
            nn.Linear(16 * 4 * 4, 64),
            nn.ReLU(inplace=True),
            nn.Linear(64, 8),
        )

    def forward_once(self, x):
        output = self.cnn1(x)
        output = output.view(output.size()[0], -1)
        output = self.fc1(output)
        return output

    def forward(self, input1, input2):
        output1 = self.forward_once(input1)
        output2 = self.forward_once(input2)
        return output1, output2


class ContrastiveLoss(torch.nn.Module):
    def __init__(self, margin=2.0):
        super(ContrastiveLoss, self).__init__()
        self.margin = margin

    def forward(self, output1, output2, label):
        euclidean_distance = F.pairwise_distance(output1, output2, keepdim=True)
        loss_contrastive = torch.mean((1 - label) * torch.pow(euclidean_distance, 2) +
                                      (label) * torch.pow(torch.clamp(self.margin -
                                                                      euclidean_distance,
                                                                      min=0.0), 2))
        return loss_contrastive


folder_dataset = datasets.FashionMNIST("data", train=True, transform=transforms.ToTensor())
siamese_dataset = SiameseNetworkDataset(folder_dataset, size=128)
train_dataloader = DataLoader(siamese_dataset, shuffle=False, batch_size=32)

net = SiameseNetwork()
if os.path.exists("initial_weights.pth"):
    net.load_state_dict(torch.load("initial_weights.pth"))
else:
    torch.save(net.state_dict(), "initial_weights.pth")
criterion = ContrastiveLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=0.0005)

losses = []
for epoch in range(2):
    for i, (img0, img1, label) in enumerate(train_dataloader, 0):
        optimizer.zero_grad()
        output1, output2 = net(img0, img1)
        loss_contrastive = criterion(output1, output2, label)
        loss_contrastive.backward()
        optimizer.step()
        losses.append(loss_contrastive.item())
    print("Epoch number {}\n Current loss {}\n".format(epoch, loss_contrastive.item()))

# The distance of the first pair, as the tutorials show it beside the images.
with torch.no_grad():
    x0, x1, label = siamese_dataset[0]
    output1, output2 = net(x0.unsqueeze(0), x1.unsqueeze(0))
    distance = F.pairwise_distance(output1, output2)
    print(f"Dissimilarity: {distance.item():.2f} (label {label.item():.0f})")
