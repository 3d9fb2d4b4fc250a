# The flagship model in PyTorch, for bench/train_bench's comparison column: same layers, batch,
# thread count and optimizer. Prints "train_img_s predict128_img_s predict1_img_s peak_rss_mib".
import resource, sys, time
import torch
import torch.nn as nn

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
torch.set_num_threads(threads)
torch.manual_seed(0)
model = nn.Sequential(
    nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
    nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
x = torch.rand(128, 1, 28, 28)
y = torch.randint(0, 10, (128,))

def median(f, n):
    for _ in range(2): f()
    t = []
    for _ in range(n):
        s = time.perf_counter(); f(); t.append(time.perf_counter() - s)
    return sorted(t)[len(t) // 2]

def step():
    opt.zero_grad()
    loss_fn(model(x), y).backward()
    opt.step()

model.train()
train = median(step, runs)
model.eval()
with torch.no_grad():
    p128 = median(lambda: model(x), runs)
    x1 = x[:1]
    p1 = median(lambda: model(x1), runs * 10)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{128 / train:.1f} {128 / p128:.1f} {1 / p1:.1f} {rss:.0f}")
