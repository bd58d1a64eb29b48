"""The workbook's words (private plumbing of :mod:`spatial.io.workbook`, which re-exports
``COLUMNS``): each sheet's title and each column's header and definition, in Chinese and English,
as the 说明 sheet and the maps' tables give them. Imports only the station-load table's own words
from ``spatial.io._figures``.
"""
from __future__ import annotations

from spatial.io._figures import LEVEL_WORDS, LOAD_COLUMNS

_SHEETS = {
    "zh": {**LEVEL_WORDS["zh"],
           "grids_out_of_band": "超出户数区间的网格", "sites": "新站选址", "before_after": "建站前后",
           "report": "数据问题清单", "notes": "说明", "gaps": "盲区", "station_load": "服务站负荷",
           "moves": "网格调整清单"},
    "en": {**LEVEL_WORDS["en"],
           "grids_out_of_band": "grids_out_of_band", "sites": "sites", "before_after": "before_after",
           "report": "report", "notes": "notes", "gaps": "gaps", "station_load": "station_load",
           "moves": "moves"},
}

#: Column words and definitions: ``column: (zh header, en header, zh definition, en definition)``.
#: ``{band}`` is filled from the column name (``hh_5min`` -> 5分钟).
COLUMNS: dict[str, tuple[str, str, str, str]] = {
    "name": ("名称", "Name", "社区、街道或范围的名称", "name of the community, street or area"),
    "id": ("编号", "Id", "数据中的编号", "id in the data"),
    "n_points": ("居民单元数", "Units", "参与计算的居民单元个数", "residential units counted"),
    "households": ("户数", "Households", "户数合计", "households in total"),
    "population": ("人口", "Population", "人口合计", "people in total"),
    "hh": ("{band}内户数", "Households within {band}", "步行{band}内可到达服务站的户数",
           "households that can walk to a station within {band}"),
    "pct_hh": ("{band}内户数占比（%）", "Households within {band} (%)", "{band}内户数占全部户数的百分比",
               "households within {band} as a percentage of all households"),
    "pop": ("{band}内人口", "People within {band}", "步行{band}内可到达服务站的人口",
            "people who can walk to a station within {band}"),
    "pct_pop": ("{band}内人口占比（%）", "People within {band} (%)", "{band}内人口占全部人口的百分比",
                "people within {band} as a percentage of all people"),
    "grid_code": ("网格编码", "Grid code", "网格编码（CJ/T 349 等编码规则）", "grid code (CJ/T 349 or local layout)"),
    "grid_id": ("网格号", "Grid id", "网格的简短编号，与地图上的标注一致", "short grid id, as labelled on the map"),
    "community": ("所属社区", "Community", "网格所在社区的名称（盲区：其户数最多的社区）",
                  "name of the grid's community (a gap: the community holding most of its households)"),
    "community_id": ("社区编号", "Community id", "社区的编号", "community id"),
    "n_units": ("居民单元数", "Units", "网格内居民单元个数", "residential units in the grid"),
    "n_buildings": ("楼栋数", "Buildings", "网格内楼栋数", "buildings in the grid"),
    "area_m2": ("面积（平方米）", "Area (m²)", "网格面积", "area of the grid"),
    "walk_to_station_m": ("距最近服务站步行（米）", "Walk to nearest station (m)",
                          "盲区内离现有服务站最近的居民步行到该站的距离（空白：超出计算范围）",
                          "shortest walk from a home of the gap to an existing station (blank: beyond the search)"),
    "walk_to_station_min": ("距最近服务站步行（分钟）", "Walk to nearest station (min)",
                            "盲区内居民步行到最近现有服务站的最短时间，按本次步行速度；有高程时计入坡度，"
                            "故坡上不足 1000 米也可超过 15 分钟（空白：超出计算范围）",
                            "quickest walk from a home of the gap to an existing station at the run's speed; with a "
                            "DEM on the slopes, so under 1000 m may be over 15 minutes (blank: beyond the search)"),
    "site_x": ("建议站址 X", "Site x", "一处新服务站可覆盖整个盲区的路网位置（X 坐标，米）",
               "point of the network from which one new station serves the whole gap (x, metres)"),
    "site_y": ("建议站址 Y", "Site y", "一处新服务站可覆盖整个盲区的路网位置（Y 坐标，米）",
               "point of the network from which one new station serves the whole gap (y, metres)"),
    "site_lon": ("建议站址经度", "Site longitude", "一处新服务站可覆盖整个盲区的路网位置的经度（WGS-84，度）",
                 "longitude of the point of the network from which one new station serves the whole gap (WGS-84)"),
    "site_lat": ("建议站址纬度", "Site latitude", "一处新服务站可覆盖整个盲区的路网位置的纬度（WGS-84，度）",
                 "latitude of the point of the network from which one new station serves the whole gap (WGS-84)"),
    "lon": ("经度", "Longitude", "建议新站位置的经度（WGS-84，度；高德、百度地图上需换算）",
            "longitude of the proposed site (WGS-84, degrees)"),
    "lat": ("纬度", "Latitude", "建议新站位置的纬度（WGS-84，度）", "latitude of the proposed site (WGS-84, degrees)"),
    "four_bounds": ("四至", "Bounds (四至)", "网格东、南、西、北四边沿线的道路河流等（一边沿多条时以顿号分隔，沿线最长的在前），无名线时为相邻网格或社区",
                    "the named streets, rivers or walls along each side of the grid (several joined by 、, the longest "
                    "first); else the grid or community across"),
    "east_bound": ("东至", "East to", "网格东边沿线的道路河流等（或相邻网格、社区）", "what bounds the grid to the east"),
    "south_bound": ("南至", "South to", "网格南边沿线的道路河流等（或相邻网格、社区）", "what bounds the grid to the south"),
    "west_bound": ("西至", "West to", "网格西边沿线的道路河流等（或相邻网格、社区）", "what bounds the grid to the west"),
    "north_bound": ("北至", "North to", "网格北边沿线的道路河流等（或相邻网格、社区）", "what bounds the grid to the north"),
    "polsby_popper": ("紧凑度", "Compactness", "1 表示圆形；越接近 0，形状越狭长（Polsby-Popper 指数）",
                      "1 is a circle; near 0 is long and thin (Polsby-Popper score)"),
    "road_share": ("沿道路的边界（%）", "Border along roads (%)", "网格边界中沿道路的长度比例",
                   "share of the grid's border that runs along roads"),
    "band_status": ("户数状态", "Household status", "户数低于、处于或高于规定区间",
                    "households under, in or over the band"),
    "target_households": ("社区网格平均户数", "Community's mean grid (households)",
                          "所在社区各网格户数的平均值（社区单元分为互不相邻的几部分时，取所在部分的）",
                          "mean households of the grids of its community (of its piece, where the community's "
                          "units are in pieces that share no edge)"),
    "deviation_pct": ("与平均户数的偏差（%）", "Off the mean grid (%)",
                      "网格户数与所在社区网格平均户数之差占平均户数的比例（正数：多于平均）",
                      "how far the grid's households are from its community's mean grid (+: above it)"),
    "households_kept_pct": ("原网格户数保留（%）", "Households kept (%)",
                            "调整后网格户数中原本就在该网格的比例（调整前后的人口重合度）",
                            "share of the grid's households already in it before the redraw (population overlap)"),
    "units_moved_in": ("调入单元数", "Units moved in", "调整中从其他网格调入的居民单元数，含原方案中没有的新增单元",
                       "units moved into the grid by the redraw, units new since the plan included"),
    "units_moved_out": ("调出单元数", "Units moved out", "调整中调往其他网格的居民单元数",
                        "units moved out of the grid by the redraw"),
    "unit_id": ("单元编号", "Unit id", "居民单元的编号", "id of the residential unit"),
    "old_grid": ("原网格", "From grid", "调整前所在网格", "the unit's grid before the redraw"),
    "new_grid": ("新网格", "To grid", "调整后所在网格", "the unit's grid after the redraw"),
    "reason": ("原因", "Why", "该单元调整的原因", "why the unit moved"),
    "full_time_workers": ("专职网格员（人）", "Full-time grid workers", "按配置标准测算的专职网格员人数",
                          "full-time grid workers by the staffing rule"),
    "part_time_workers": ("兼职网格员（人）", "Part-time grid workers", "按配置标准测算的兼职网格员人数",
                          "part-time grid workers by the staffing rule"),
    "building_leads": ("楼栋长（人）", "Building leads", "按楼栋数测算的楼栋长人数", "building leads by buildings"),
    "household_leads": ("联户长（人）", "Household leads", "按户数测算的联户长人数", "household leads by households"),
    "site_id": ("站点编号", "Site id", "建议新站的编号", "id of the proposed site"),
    "rank": ("建设顺序", "Order", "建议的建设先后顺序，1 为最先", "order in which to build, 1 first"),
    "gap_rank": ("排名（按户数）", "Rank (by households)",
                 "距站点过远的盲区按户数排名，1 为户数最多；无住户的和其他成因的盲区不排名（不是建设顺序，见新站选址）",
                 "service gaps ranked by households, 1 the most; those without households and other gaps are "
                 "not ranked (not a build order: see the sites sheet)"),
    "candidate_id": ("候选点编号", "Candidate id", "选址所用候选点（路网节点或候选用房）的编号",
                     "candidate site (network node or offered room)"),
    "gain_households": ("新增覆盖户数", "Households gained", "建成后新增可步行到达的户数",
                        "households newly within the band once built"),
    "gain_population": ("新增覆盖人口", "Population gained", "建成后新增可步行到达的人口",
                        "people newly within the band once built"),
    "cum_coverage_pct": ("建成后累计覆盖率（%）", "Coverage once built (%)",
                         "按顺序建成到本站时的户数覆盖率", "household coverage once built up to this site"),
    "band": ("按步行范围", "Band", "新增覆盖户数和覆盖率所按的步行范围（选址所按的服务圈，如 15分钟内）",
             "the walk the households gained and the coverage are counted within (the band sited for)"),
    "new_hh": ("{band}内新增户数", "Households newly within {band}",
               "本站建成后新进入{band}步行范围的户数（现有站点和排在前面的新站都未覆盖的），与服务圈同一步行距离",
               "households the site brings within {band} that no station nor a site ranked before it had within "
               "it, on the coverage's walks"),
    "gaps": ("填补的盲区（户数）", "Gaps it fills (households)",
             "本站使其住户进入步行范围的盲区编号，括号内为进入的户数，户数多的在前",
             "the gaps whose homes the site brings within the band, with the households, most first"),
    "filled_by": ("可填补的新站", "Filled by new sites",
                  "使本盲区住户进入步行范围的建议新站；“无新站可达”：建议的新站都到不了这里",
                  "the proposed sites that bring homes of this gap within the band; none: no proposed site reaches it"),
    "households_filled": ("新站可覆盖户数", "Households the new sites reach",
                          "本盲区中建议新站建成后进入步行范围的户数", "households of the gap the proposed sites bring within the band"),
    "pct_before": ("建站前覆盖率（%）", "Coverage before (%)", "现有站点的户数覆盖率",
                   "household coverage by the existing stations"),
    "pct_after": ("建站后覆盖率（%）", "Coverage after (%)", "加上建议新站后的户数覆盖率",
                  "household coverage with the proposed sites"),
    "source": ("来源", "Source", "候选点的来源", "where the candidate came from"),
    "layer": ("图层", "Layer", "问题所在的数据图层", "layer of the problem"),
    "row_id": ("行或编号", "Row", "问题所在的行或要素编号", "row or feature id"),
    "problem": ("问题", "Problem", "发现的问题", "what is wrong"),
    "action": ("处理", "Action", "已做的处理", "what was done"),
    "hh_estimated": ("估算步行户数", "Households with estimated walks",
                     "离路网超过吸附距离、按直线距离×绕行系数估算步行的户数（小区内道路未入图）",
                     "households farther than the snap distance from any walkway, walked as the straight "
                     "leg times the detour factor (paths inside estates not mapped)"),
    "hh_unreachable": ("无法到达户数", "Households with no walk", "离路网超过第二距离上限或被阻隔、无法步行到达的户数",
                       "households beyond the second limit from any walkway, or cut off by a barrier"),
    "hh_est": ("{band}内户数中估算步行的", "of which by estimated walks ({band})",
               "上述{band}内户数中，靠估算步行到达的户数", "households within {band} that owe it to an estimated walk"),
    "gap_id": ("盲区编号", "Gap id", "G 开头：距站点过远；N 开头：缺少路网数据；W 开头：围墙内未给出大门；B 开头：被阻隔",
               "G: service gap; N: no mapped path; W: walls with no gate given; B: barrier"),
    "cause": ("成因", "Cause",
              "距站点过远：需新站（路网可达，但步行范围内无站点，参与排序）、缺少路网数据：先补图（不排序）、"
              "位于围墙内，未给出大门（请补充大门）或被阻隔；"
              "无住户的盲区为“距站点过远：无住户，不需新站”或“缺少路网数据：无住户，不需补图”，不给建议站址",
              "too far from any station: a station is needed (walkable, no station within the band; ranked), "
              "no mapped path: map the paths first (not ranked), in walls with no gate given: give the gates, "
              "or cut off by a barrier; a gap without "
              "households says no station (or no paths) needed, and has no site"),
    "note": ("备注", "Note", "按直线距离归组的居民单元等说明", "units grouped by straight distance, and why"),
    **LOAD_COLUMNS,  # the station-load table's (服务站负荷, station_load.csv), with the table
}

#: A gap no proposed site reaches (its ``filled_by`` empty once sites are proposed), in words.
NO_SITE_WORDS = {"zh": "无新站可达", "en": "no proposed site reaches it"}
#: The ranked gaps no proposed site reaches, one line under the sites' legend (spatial.maps._fills):
#: the first five as the map labels them (#2、#8), ``more`` after them when there are others.
UNFILLED_WORDS = {"zh": {"line": "建议新站到不了的盲区：{ids}{more} {n} 处，共 {hh} 户", "more": "等"},
                  "en": {"line": "Gaps no proposed site reaches: {ids}{more} ({n}, {hh} households)", "more": " ..."}}
