#!/usr/bin/python3
"""torchvision's vgg16() / resnet50() (no weights) at batch 8, 224x224x3, channels-last input
as keel's tf ordering: prints 'train_img_s predict_img_s peak_rss_mib' for app_bench.

Usage: /usr/bin/python3 torch_apps.py vgg16|resnet50 THREADS RUNS"""
import resource
import sys
import time

import torch
import torchvision


def main():
    name, threads, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.rand(8, 3, 224, 224)
    y = torch.arange(8) * 7

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    def median(f):
        for _ in range(2):
            f()
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            f()
            times.append(time.perf_counter() - t)
        return sorted(times)[len(times) // 2]

    model.train()
    t_train = median(step)
    model.eval()
    with torch.no_grad():
        t_pred = median(lambda: model(x))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(8 / t_train, 8 / t_pred, rss)


if __name__ == '__main__':
    main()
