import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { Context, type RequestContext } from '../context/request-context.js';
import { CollectionExtrasService } from './collection-extras.service.js';

const COLLECTION = 'tenants/:tenant/databases/:database/collections/:id';

/** Fork, fork count, indexing status, lookup by CRN, search. Transport only. */
@Controller('api/v2')
export class CollectionExtrasController {
  constructor(@Inject(CollectionExtrasService) private readonly service: CollectionExtrasService) {}

  @Post(`${COLLECTION}/fork`)
  @HttpCode(200)
  fork(@Context() ctx: RequestContext, @Param('id') id: string, @Body() body: unknown) {
    return this.service.fork(ctx, id, body);
  }

  @Get(`${COLLECTION}/fork_count`)
  forkCount(@Context() ctx: RequestContext, @Param('id') id: string) {
    return this.service.forkCount(ctx, id);
  }

  @Get(`${COLLECTION}/indexing_status`)
  indexingStatus(@Context() ctx: RequestContext, @Param('id') id: string) {
    return this.service.indexingStatus(ctx, id);
  }

  @Post(`${COLLECTION}/search`)
  @HttpCode(200)
  search(@Context() ctx: RequestContext, @Param('id') id: string, @Body() body: unknown) {
    return this.service.search(ctx, id, body);
  }

  @Get('collections/:crn')
  getByCrn(@Param('crn') crn: string) {
    return this.service.getByCrn(crn);
  }
}
