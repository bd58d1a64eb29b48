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
# # Grids: dividing communities into management grids (网格划分)
#
# 本笔记本演示如何把每个社区划分为若干管理网格：按“地域相邻、人口相近、功能相似”的原则，
# 每个网格约 300–500 户，网格必须连片、紧凑、完整覆盖社区（无缝隙、无重叠），边界尽量沿道路。
#
# 数据：深圳福田区部分片区的真实 OpenStreetMap 步行网络（© OpenStreetMap contributors, ODbL）；
# 社区边界、住户单元与党群服务站点为**合成数据**，仅供演示。

# %% [markdown]
# ## Load the demo data (读取示例数据)

# %%
import spatial

demo = spatial.load_demo(network=False)  # the roads are read below, every class
communities, units = demo["communities"], demo["units"]
print(len(communities), "个社区,", len(units), "个住户单元,", int(units["households"].sum()), "户")
communities[["community_id", "name", "code", "street"]].head()

# %% [markdown]
# ## Partition (划分网格)
#
# `partition_grids` 先按户数为每个社区分配网格数（最大余数法），再沿街道递归二分单元邻接图、
# 局部搜索与重组，使每个网格落在户数区间内，并保持连片与紧凑、不切割封闭小区。
# 区间内如何取舍由 `balance` 决定：`"band"`（不给网格数时的默认）户数在区间内即可，边界优先沿街道、
# 网格更紧凑；`"equal"`（给定 `n_grids` 时的默认）各网格户数尽量接近平均，必要时边界穿过街坊。
#
# 街道从 `roads=` 读取（道路线、路网或 osmnx 图）。这里用 `spatial.read_roads` 读取示例路网文件中的全部道路
# （含步行路网不计的干道），与 `spatial demo`、`spatial grids --roads` 相同，网格也相同。
# 不给道路且单元之间没有街道空隙时，网格边界不按街道加权，`plan.report` 会写明这一点。

# %%
roads = spatial.read_roads(spatial.demo_paths()["network"])
plan = spatial.partition_grids(units, communities, roads=roads, min_households=300, max_households=500)
grids = plan.grids
grids[["grid_code", "community_id", "households", "population", "n_units", "polsby_popper",
       "band_status", "full_time_workers", "building_leads", "household_leads"]].head(10)

# %% [markdown]
# ## Check the plan (检查：户数守恒、连片、完整覆盖)

# %%
assert plan.units["households"].sum() == units["households"].sum()     # 户数守恒
assert (grids.geometry.geom_type == "Polygon").all()                    # 每个网格为一块连片多边形
area_error = abs(grids.to_crs(32650).area.sum() / communities.to_crs(32650).area.sum() - 1)
print(f"覆盖面积误差 {area_error:.2e}；区间内网格 {(grids['band_status'] == 'in').mean():.0%}；"
      f"平均 Polsby-Popper {grids['polsby_popper'].mean():.2f}")
grids["band_status"].value_counts()

# %% [markdown]
# ## Evaluate an existing plan (评估现有方案)
#
# `evaluate_grids` 不修改方案，只给出评分：户数区间达标率、偏差、连片性、与社区边界的缝隙与重叠、紧凑度、沿路比例。

# %%
scores = spatial.evaluate_grids(grids, communities, min_households=300, max_households=500, roads=roads)
scores.summary.astype(object).T  # (object: counts stay whole, as the table has them)

# %% [markdown]
# ## Redraw after growth (人口变化后的微调)
#
# 假设某个网格内的住户增长 60%，`redraw_grids` 在尽量少移动单元的前提下，让所有网格重新回到区间内；
# 锁定的单元不会移动，每一次移动都会列出旧网格与新网格。

# %%
grown = plan.units.copy()
target = grids.sort_values("households").iloc[-1]["grid_id"]
mask = grown["grid_id"] == target
grown.loc[mask, "households"] = (grown.loc[mask, "households"] * 1.6).round().astype(int)
redrawn = spatial.redraw_grids(grown, communities, grown[["unit_id", "grid_id"]], roads=roads)
print(f"区间内网格 {(redrawn.grids['band_status'] == 'in').sum()} / {len(redrawn.grids)}")
print(f"移动了 {len(redrawn.moves)} 个单元（占 {len(redrawn.moves) / len(grown):.1%}）")
redrawn.moves.head()

# %% [markdown]
# ## Map (网格地图)
#
# 地图离线可用：Leaflet 与插件均已内嵌在 HTML 中。

# %%
spatial.grid_map(grids, communities=communities)
