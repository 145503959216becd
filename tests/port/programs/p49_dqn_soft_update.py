"""Deep Q-learning as PyTorch's DQN tutorial wrote it before 2023, with the soft target update of
Udacity's deep-reinforcement-learning course, both through `.data`.

The idioms of `intermediate/reinforcement_q_learning` (pytorch/tutorials, 2018-2022): `Transition =
namedtuple('Transition', ('state', 'action', 'next_state', 'reward'))`; `ReplayMemory` with
`self.memory.append(None)`, `self.memory[self.position] = Transition(*args)`, `self.position =
(self.position + 1) % self.capacity` and `random.sample(self.memory, batch_size)`; `select_action`'s
`eps_threshold = EPS_END + (EPS_START - EPS_END) * math.exp(-1. * steps_done / EPS_DECAY)`, `with
torch.no_grad(): return policy_net(state).max(1)[1].view(1, 1)`, `torch.tensor([[random.randrange(n_actions)]],
dtype=torch.long)`; `optimize_model`'s `batch = Transition(*zip(*transitions))`, `non_final_mask =
torch.tensor(tuple(map(lambda s: s is not None, batch.next_state)), dtype=torch.bool)`, `torch.cat([s for s in
batch.next_state if s is not None])`, `policy_net(state_batch).gather(1, action_batch)`,
`next_state_values[non_final_mask] = target_net(non_final_next_states).max(1)[0].detach()`,
`F.smooth_l1_loss(state_action_values, expected_state_action_values.unsqueeze(1))`, the clipping `for param in
policy_net.parameters(): param.grad.data.clamp_(-1, 1)`, `optim.RMSprop(policy_net.parameters())`, and
`target_net.load_state_dict(policy_net.state_dict())`, `target_net.eval()`. And of Udacity's
`dqn/solution/dqn_agent.py`: `soft_update`'s `target_param.data.copy_(tau*local_param.data +
(1.0-tau)*target_param.data)` after each learning step, and `act`'s
`np.argmax(action_values.cpu().data.numpy())`. The environment is a chain of six states (move left or
right, reward 1 at the right end) in place of CartPole; Python's `random` is seeded in the program.
"""

import math
import random
from collections import namedtuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

TOLERANCE = {"rtol": 2e-3, "atol": 1e-5}
N_STATES, n_actions = 6, 2
BATCH_SIZE, GAMMA, TAU = 8, 0.9, 0.1
EPS_START, EPS_END, EPS_DECAY = 0.9, 0.05, 20

Transition = namedtuple("Transition", ("state", "action", "next_state", "reward"))


class ReplayMemory(object):  # noqa: UP004 (the tutorial's spelling)
    def __init__(self, capacity):
        self.capacity = capacity
        self.memory = []
        self.position = 0

    def push(self, *args):
        """Saves a transition."""
        if len(self.memory) < self.capacity:
            self.memory.append(None)
        self.memory[self.position] = Transition(*args)
        self.position = (self.position + 1) % self.capacity

    def sample(self, batch_size):
        return random.sample(self.memory, batch_size)

    def __len__(self):
        return len(self.memory)


class DQN(nn.Module):
    def __init__(self):
        super(DQN, self).__init__()  # noqa: UP008
        self.fc1 = nn.Linear(N_STATES, 16)
        self.fc2 = nn.Linear(16, n_actions)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


class Agent(nn.Module):
    """The two networks in one module, so that the suite loads both from PyTorch's weights."""

    def __init__(self):
        super().__init__()
        self.policy_net = DQN()
        self.target_net = DQN()


def build_model():
    return Agent()


def one_hot(position):
    state = torch.zeros(1, N_STATES)
    state[0, position] = 1.0
    return state


def soft_update(local_model, target_model, tau):
    """θ_target = τ*θ_local + (1 - τ)*θ_target"""
    for target_param, local_param in zip(target_model.parameters(), local_model.parameters()):
        target_param.data.copy_(tau * local_param.data + (1.0 - tau) * target_param.data)


def run(model, workdir=None):
    random.seed(0)
    policy_net, target_net = model.policy_net, model.target_net
    target_net.load_state_dict(policy_net.state_dict())
    target_net.eval()
    optimizer = optim.RMSprop(policy_net.parameters(), lr=0.01)
    memory = ReplayMemory(64)
    steps_done = 0

    def select_action(state):
        nonlocal steps_done
        sample = random.random()
        eps_threshold = EPS_END + (EPS_START - EPS_END) * math.exp(-1.0 * steps_done / EPS_DECAY)
        steps_done += 1
        if sample > eps_threshold:
            with torch.no_grad():
                return policy_net(state).max(1)[1].view(1, 1)
        else:
            return torch.tensor([[random.randrange(n_actions)]], dtype=torch.long)

    def optimize_model():
        if len(memory) < BATCH_SIZE:
            return None
        transitions = memory.sample(BATCH_SIZE)
        batch = Transition(*zip(*transitions))
        non_final_mask = torch.tensor(tuple(map(lambda s: s is not None, batch.next_state)), dtype=torch.bool)
        non_final_next_states = torch.cat([s for s in batch.next_state if s is not None])
        state_batch = torch.cat(batch.state)
        action_batch = torch.cat(batch.action)
        reward_batch = torch.cat(batch.reward)
        state_action_values = policy_net(state_batch).gather(1, action_batch)
        next_state_values = torch.zeros(BATCH_SIZE)
        next_state_values[non_final_mask] = target_net(non_final_next_states).max(1)[0].detach()
        expected_state_action_values = (next_state_values * GAMMA) + reward_batch
        loss = F.smooth_l1_loss(state_action_values, expected_state_action_values.unsqueeze(1))
        optimizer.zero_grad()
        loss.backward()
        for param in policy_net.parameters():
            param.grad.data.clamp_(-1, 1)
        optimizer.step()
        soft_update(policy_net, target_net, TAU)
        return loss.data.item()

    losses, lengths = [], []
    for i_episode in range(8):
        position = 0
        state = one_hot(position)
        for t in range(12):
            action = select_action(state)
            position = max(0, position + (1 if action.item() == 1 else -1))
            done = position == N_STATES - 1
            reward = torch.tensor([1.0 if done else 0.0])
            next_state = None if done else one_hot(position)
            memory.push(state, action, next_state, reward)
            state = next_state
            loss = optimize_model()
            if loss is not None:
                losses.append(loss)
            if done:
                break
        lengths.append(t + 1)
    greedy = []
    for position in range(N_STATES):
        with torch.no_grad():
            action_values = policy_net(one_hot(position))
        greedy.append(int(np.argmax(action_values.cpu().data.numpy())))
    target_gap = sum(
        (p.data - q.data).abs().sum().item() for p, q in zip(policy_net.parameters(), target_net.parameters())
    )
    return {"losses": losses, "lengths": lengths, "greedy": greedy, "target_gap": target_gap}
