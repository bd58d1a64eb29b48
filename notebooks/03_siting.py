# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Siting new stations (新站选址)
#
# 覆盖检查之后的问题总是“下一个站点放在哪里”。本笔记本回答两个问题：
#
# 1. **最大覆盖 (MCLP)**：新增 k 个站点，最多能让多少户进入 15 分钟服务圈？
# 2. **集合覆盖 (LSCP)**：要让 99% 的住户（上海 2035 目标）进入服务圈，最少需要几个新站点？
#
# 贪心算法在毫秒级给出答案，禁忌搜索加以改进，精确的分支定界（基于 HiGHS 的线性松弛）给出已证明的与最优解的差距。

# %%
import spatial

demo = spatial.load_demo()
network, stations, units = demo["network"], demo["stations"], demo["units"]
demand = spatial.walking_coverage(units, stations, network)

# %% [markdown]
# ## Maximal coverage: 3 new stations (最大覆盖：新增 3 个站点)
#
# 没有给出候选点时，候选点从未覆盖住户附近的路网节点生成（约每 100 m 一个）。

# %%
result = spatial.site_stations(demand, stations, network, k=3, band="15min")
result.sites[["site_id", "rank", "gain_households", "gain_population", "cum_coverage_pct"]]

# %%
opt = result.optimality
print(f"贪心解 {opt['greedy_value']:.0f} 户，精确解 {opt['exact_value']:.0f} 户，差距 {opt['gap_pct']:.2f}%（{opt['status']}）")
result.before_after.head()

# %% [markdown]
# ## Set cover: how few stations reach 99%? (集合覆盖：达到 99% 最少需要几个站点)

# %%
lscp = spatial.site_stations(demand, stations, network, target=0.99, band="15min")
print(lscp.optimality["message"] if lscp.optimality.get("message") else "")
reached = lscp.sites["cum_coverage_pct"].max()  # 99% may be out of reach: the homes no candidate reaches
print(f"需要 {len(lscp.sites)} 个新站点，覆盖 {reached:.2f}% 的住户"
      f"{'' if lscp.optimality['target_reached'] else '（达不到 99%）'}；"
      f"无法由任何候选点覆盖的住户单元：{len(lscp.unreachable)} 个")

# %% [markdown]
# ## Map (总览地图：网格、覆盖与建议新站点)

# %%
plan = spatial.partition_grids(units, demo["communities"])
spatial.overview_map(plan.grids, demand, stations, sites=result.sites, communities=demo["communities"])
