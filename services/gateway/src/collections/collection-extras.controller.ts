import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { CollectionExtrasService } from './collection-extras.service.js';

const COLLECTION = 'tenants/:tenant/databases/:database/collections/:id';

/** Fork, fork count, indexing status, lookup by CRN, search. Transport only. */
@Controller('api/v2')
export class CollectionExtrasController {
  constructor(@Inject(CollectionExtrasService) private readonly service: CollectionExtrasService) {}

  @Post(`${COLLECTION}/fork`)
  @HttpCode(200)
  fork(
    @Param('tenant') t: string,
    @Param('database') d: string,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    return this.service.fork(t, d, id, body);
  }

  @Get(`${COLLECTION}/fork_count`)
  forkCount(@Param('tenant') t: string, @Param('database') d: string, @Param('id') id: string) {
    return this.service.forkCount(t, d, id);
  }

  @Get(`${COLLECTION}/indexing_status`)
  indexingStatus(
    @Param('tenant') t: string,
    @Param('database') d: string,
    @Param('id') id: string,
  ) {
    return this.service.indexingStatus(t, d, id);
  }

  @Post(`${COLLECTION}/search`)
  @HttpCode(200)
  search(
    @Param('tenant') t: string,
    @Param('database') d: string,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    return this.service.search(t, d, id, body);
  }

  @Get('collections/:crn')
  getByCrn(@Param('crn') crn: string) {
    return this.service.getByCrn(crn);
  }
}
