"""Interleaved micro-benchmark of BN + ReLU (training, forward + backward, float32) at ResNet-8 b64 shapes: relu(batch_norm(x)) vs batch_norm(x, activation='relu'). Median of 7 rounds of 20 steps."""
import time, numpy as np, sys
sys.path.insert(0, __import__('os').path.join(__import__('os').path.dirname(__file__), '..'))
import xarxa as xa
from xarxa.autograd.ops.norm import batch_norm
from xarxa.autograd.ops import relu
rng=np.random.default_rng(0)
shapes=[(64,16,28,28),(64,32,14,14),(64,64,7,7)]
def run(shape, fused, reps=20):
    x=xa.tensor(rng.standard_normal(shape).astype('float32'), requires_grad=True)
    c=shape[1]
    w=xa.tensor(np.ones(c,'float32'),requires_grad=True); b=xa.tensor(np.zeros(c,'float32'),requires_grad=True)
    rm=xa.tensor(np.zeros(c,'float32')); rv=xa.tensor(np.ones(c,'float32'))
    g=xa.tensor(rng.standard_normal(shape).astype('float32'))
    ts=[]
    for _ in range(reps):
        t=time.perf_counter()
        if fused: y=batch_norm(x,rm,rv,w,b,True,activation="relu")
        else: y=relu(batch_norm(x,rm,rv,w,b,True))
        y.backward(g)
        ts.append(time.perf_counter()-t)
        x.grad=None; w.grad=None; b.grad=None
    return np.median(ts)*1e3
for shape in shapes:
    old=[];new=[]
    for r in range(7):
        old.append(run(shape,False)); new.append(run(shape,True))
    print(shape, "composed %.3f ms fused %.3f ms ratio %.3f"%(np.median(old),np.median(new),np.median(np.array(new)/np.array(old))))
